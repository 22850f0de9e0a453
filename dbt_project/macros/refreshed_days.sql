{#-
  The site-local days an incremental run rebuilds: the vars strata_days_from and
  strata_days_to (set by Strata's refresh for the days late data touched), widened by
  `before` days back and `after` days ahead for models whose rows read neighbouring
  days; unset, every day of the sources. An incremental run never rebuilds a day the hot
  window only partly holds (before the day after its oldest UTC day): those days were
  built when whole and stay. A first build or a full refresh takes every day. The vars
  are parsed as dates, so nothing but a date reaches the SQL.
-#}
{% macro refreshed_days_bounds(before=0, after=0) %}
    {%- set first = var('strata_days_from', none) -%}
    {%- set last = var('strata_days_to', none) -%}
    {%- if first is none or last is none or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set day = modules.datetime.timedelta(days=1) -%}
    {%- set first = modules.datetime.date.fromisoformat(first | string) - day * before -%}
    {%- set last = modules.datetime.date.fromisoformat(last | string) + day * after -%}
    {{ return((first.isoformat(), last.isoformat())) }}
{% endmacro %}

{% macro refreshed_days(column, before=0, after=0) %}
    {%- set bounds = refreshed_days_bounds(before, after) -%}
    {%- if not is_incremental() -%}
        1 = 1
    {%- else -%}
        {{ column }} >= (select min(event_date) + 1 from {{ ref('stg_strata__events') }})
        {%- if bounds is not none %}
        and {{ column }} between toDate('{{ bounds[0] }}') and toDate('{{ bounds[1] }}')
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
