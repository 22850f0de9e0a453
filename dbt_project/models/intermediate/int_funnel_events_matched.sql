-- Events that match a step of the funnel var `funnel_steps`, with the number of the
-- step they match (an event matching several steps appears once per step).
{%- set steps = var('funnel_steps') %}

with

events as (

    select * from {{ ref('int_events_filtered') }}

),

{% for step in steps %}
step_{{ loop.index }} as (

    select
        tracking_id,
        client_id,
        event_at,
        site_date,
        toUInt8({{ loop.index }}) as step_number
    from events
    where 1 = 1
    {%- if step.page_path is defined %}
      and event_type = 'pageview' and page_path like {{ quoted(step.page_path) }}
    {%- endif %}
    {%- if step.event_type is defined %}
      and event_type = {{ quoted(step.event_type) }}
    {%- endif %}
    {%- if step.event_name is defined %}
      and event_name = {{ quoted(step.event_name) }}
    {%- endif %}

),
{% endfor %}

final as (

    {% for step in steps %}
    select * from step_{{ loop.index }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from final
