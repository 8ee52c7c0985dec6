"""sim/study"""
