"""The one place a SparkSession is built: same code on ``local[2]`` and on a cluster, by configuration."""

from __future__ import annotations

import os

from pyspark.sql import SparkSession

from pipelines.settings import PipelineSettings


def session_configs(settings: PipelineSettings) -> dict[str, str]:
    """Spark configs every job uses; extra ones (cluster, s3a credentials) come from ``PIZZA_PIPELINES_SPARK_CONF``."""
    java_options = {"spark.driver.extraJavaOptions": settings.spark_driver_java_options}
    return {
        "spark.driver.memory": settings.spark_driver_memory,
        **(java_options if settings.spark_driver_java_options else {}),
        "spark.sql.shuffle.partitions": str(settings.spark_shuffle_partitions),
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        "spark.sql.sources.partitionOverwriteMode": "dynamic",
        # Jobs pass explicit file lists; listing them on the driver beats a listing job of one task per file.
        "spark.sql.sources.parallelPartitionDiscovery.threshold": "100000",
        # Keep _SUCCESS markers out of partition folders that the loaders list.
        "spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs": "false",
        "spark.hadoop.parquet.enable.summary-metadata": "false",
        **settings.spark_conf,
    }


def get_spark(settings: PipelineSettings, app_name: str) -> SparkSession:
    """Build (or reuse) the session. A local master binds to loopback only, never to the network card."""
    if settings.spark_master.startswith("local"):
        # The JVM launcher reads this from the environment; only a local driver needs it.
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.master(settings.spark_master).appName(app_name)
    for key, value in session_configs(settings).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark
