"""sim/measure"""
