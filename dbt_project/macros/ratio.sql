{#- numerator / denominator as Float64, null when the denominator is 0. -#}
{% macro ratio(numerator, denominator) %}
    if({{ denominator }} = 0, null, toFloat64({{ numerator }}) / {{ denominator }})
{% endmacro %}
