"""sim/engine/processes"""
