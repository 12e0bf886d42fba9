"""The operator's tool: the `pizza` command line, the local stack, the demo and the doctor.

It may import every layer; nothing imports it. The shared base every layer builds on is `pizza`.
"""
