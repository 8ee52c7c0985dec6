"""sim/present"""
