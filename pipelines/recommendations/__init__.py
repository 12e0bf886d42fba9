"""Recommendations for marketers: implicit-feedback ALS with popularity and co-occurrence baselines.

Steps (each callable on its own, so the daily DAG can run them as separate tasks):
``refresh.train`` -> ``refresh.evaluate`` -> ``refresh.gate`` -> ``refresh.publish``.
"""
