"""Airflow DAG files: wiring only. Airflow puts this folder on the import path; the package marker lets the
import rules see the DAGs' imports (docs/architecture.md)."""
