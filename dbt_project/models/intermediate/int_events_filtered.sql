-- The events reports count: people's actions. Bots (is_bot) and engagement records
-- (telemetry of a page view, not an action) are left out.
with

events as (

    select * from {{ ref('stg_strata__events') }}

),

final as (

    select *
    from events
    where not is_bot
      and event_type != 'engagement'

)

select * from final
