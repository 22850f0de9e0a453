{#
    The configuration every daily mart shares: rebuilt by day (insert_overwrite of its
    site_date partitions, see refreshed_days), a MergeTree sorted by order_by.
#}
{% macro daily_mart(order_by) %}
    {{ config(
        materialized='incremental',
        incremental_strategy='insert_overwrite',
        partition_by='site_date',
        order_by=order_by,
        engine='MergeTree()',
    ) }}
{% endmacro %}
