"""sim/log"""
