"""SQL over the dbt marts only, one module per page; every function takes the sidebar's Filters."""
