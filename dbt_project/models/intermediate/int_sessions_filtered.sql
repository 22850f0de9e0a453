-- The sessions reports count: those of people (no event from a bot).
with

sessions as (

    select * from {{ ref('stg_strata__sessions') }}

),

final as (

    select *
    from sessions
    where not is_bot

)

select * from final
