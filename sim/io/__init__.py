"""sim/io"""
