{#- A model's primary key of several columns: no two rows share these values. -#}
{% test unique_combination(model, columns) %}

select {{ columns | join(', ') }}, count() as count_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count_rows > 1

{% endtest %}
