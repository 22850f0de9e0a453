-- Grain: one row per site, site-local day a visitor entered the funnel, and step.
-- A visitor enters on day D with a first-step event on D; they reach step k when steps
-- 2..k follow in order (later, or at the same moment) within `funnel_window_days` of
-- that first-step event (ClickHouse windowFunnel, default mode).
{%- set steps = var('funnel_steps') %}
{%- set window_days = var('funnel_window_days') | int %}
{{ daily_mart('(tracking_id, site_date, step_number)') }}
-- depends_on: {{ ref('stg_strata__events') }} (the oldest day refreshed_days may rebuild)

with

matched as (

    select * from {{ ref('int_funnel_events_matched') }}
    where {{ refreshed_days('site_date', before=window_days, after=window_days + 1) }}

),

entries as (

    select distinct tracking_id, client_id, site_date as entry_date
    from matched
    where step_number = 1
      and {{ refreshed_days('site_date', before=window_days) }}

),

levels as (

    select
        entries.tracking_id as tracking_id,
        entries.client_id as client_id,
        entries.entry_date as entry_date,
        windowFunnel({{ window_days * 86400 * 1000000 }})(
            toUInt64(toUnixTimestamp64Micro(matched.event_at)),
            matched.step_number = 1 and matched.site_date = entries.entry_date
            {%- for step in steps[1:] %},
            matched.step_number = {{ loop.index + 1 }}
            {%- endfor %}
        ) as level
    from entries
    inner join matched
        on matched.tracking_id = entries.tracking_id
        and matched.client_id = entries.client_id
    where matched.site_date >= entries.entry_date
      and matched.site_date <= entries.entry_date + {{ window_days + 1 }}
    group by entries.tracking_id, entries.client_id, entries.entry_date

),

steps as (

    select
        toUInt8(number + 1) as step_number,
        [{% for step in steps %}{{ quoted(step.name) }}{% if not loop.last %}, {% endif %}{% endfor %}][number + 1]
            as step_name
    from numbers({{ steps | length }})

),

reached as (

    select
        levels.tracking_id as tracking_id,
        levels.entry_date as site_date,
        steps.step_number as step_number,
        steps.step_name as step_name,
        countIf(levels.level >= steps.step_number) as count_visitors,
        countIf(levels.level >= 1) as count_entered
    from levels
    cross join steps
    group by tracking_id, site_date, step_number, step_name

),

final as (

    select
        tracking_id,
        site_date,
        step_number,
        step_name,
        count_visitors,
        {{ ratio('count_visitors', 'count_entered') }} as conversion_rate,
        {{ ratio(
            'count_visitors',
            'lagInFrame(count_visitors, 1, count_visitors) over ('
            ~ 'partition by tracking_id, site_date order by step_number '
            ~ 'rows between unbounded preceding and current row)'
        ) }} as step_conversion_rate
    from reached

)

select * from final
