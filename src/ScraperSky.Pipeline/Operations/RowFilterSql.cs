using System.ComponentModel;
using System.Globalization;
using ScraperSky.Pipeline.Definition;

namespace ScraperSky.Pipeline.Operations;

/// <summary>
/// Translates a <see cref="StatusRowFilter"/> into a SQL condition over a row alias of the workflow's table, with its
/// parameter values. The workflow's own <c>Where</c> filter is not part of it: callers add
/// <see cref="WorkflowDefinition.Filter"/> (written over the alias <see cref="WorkflowDefinitionResolver.CandidateAlias"/>).
/// </summary>
internal static class RowFilterSql
{
    /// <summary>
    /// Translates <paramref name="filter"/>; parameters are named <paramref name="parameterPrefix"/> and a suffix. With
    /// <paramref name="otherValues"/>, a filter without statuses also matches rows of values none of the four (listings).
    /// </summary>
    /// <exception cref="ArgumentException">A criterion needs a column the workflow does not map (updated-at, error text).</exception>
    public static ClaimFilter Translate(StatusRowFilter filter, WorkflowDefinition definition, string alias, string parameterPrefix = "row_", bool otherValues = false)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var d = definition;
        var conditions = new List<string>();
        var parameters = new List<FilterParameter>();
        string Parameter(string suffix, object value)
        {
            var name = parameterPrefix + suffix;
            parameters.Add(new FilterParameter(name, value));
            return "@" + name;
        }

        // Null means the workflow's four statuses: a table may hold other values (rows not yet curated), and an
        // operation over "every row of the workflow" must not reach them.
        var statuses = filter.Statuses ?? [StatusRole.Queued, StatusRole.Processing, StatusRole.Completed, StatusRole.Error];
        if (filter.Statuses is not null || !otherValues)
        {
            conditions.Add(statuses.Count == 0
                ? "FALSE"
                : $"{alias}.{d.StatusColumn} IN ({string.Join(", ", statuses.Distinct().Select(s => Literal(d, s)))})");
        }

        if (filter.Key is { } key)
        {
            conditions.Add(ConvertKey(d, key) is { } value ? $"{alias}.{d.KeyColumn} = {Parameter("key", value)}" : "FALSE");
        }

        if (filter.ErrorContains is { } text)
        {
            var column = d.ErrorColumn
                ?? throw new ArgumentException($"Status workflow '{d.Name}' has no error column (ErrorText), so StatusRowFilter.ErrorContains cannot be used with it.", nameof(filter));
            conditions.Add($"strpos(lower({alias}.{column}), lower({Parameter("error", text)})) > 0");
        }

        if (filter.UpdatedFrom is not null || filter.UpdatedBefore is not null)
        {
            var column = d.UpdatedAtColumn
                ?? throw new ArgumentException($"Status workflow '{d.Name}' has no updated-at column (UpdatedAt), so StatusRowFilter.UpdatedFrom and UpdatedBefore cannot be used with it.", nameof(filter));
            if (filter.UpdatedFrom is { } from)
            {
                conditions.Add($"{alias}.{column} >= {Parameter("from", from.ToUniversalTime())}");
            }

            if (filter.UpdatedBefore is { } before)
            {
                conditions.Add($"{alias}.{column} < {Parameter("before", before.ToUniversalTime())}");
            }
        }

        return new ClaimFilter(conditions.Count == 0 ? "TRUE" : string.Join(" AND ", conditions), parameters);
    }

    /// <summary>The SQL literal of a status role's value.</summary>
    public static string Literal(WorkflowDefinition definition, StatusRole role) => role switch
    {
        StatusRole.Queued => definition.Literals.Queued,
        StatusRole.Processing => definition.Literals.Processing,
        StatusRole.Completed => definition.Literals.Completed,
        StatusRole.Error => definition.Literals.Error,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, $"Status workflow '{definition.Name}': {role} is not a status role."),
    };

    /// <summary>Converts a key given as text to the value the provider writes, or null when it does not convert.</summary>
    public static object? ConvertKey(WorkflowDefinition definition, string key)
    {
        var clr = Nullable.GetUnderlyingType(definition.KeyProperty.ClrType) ?? definition.KeyProperty.ClrType;
        object? value;
        try
        {
            value = clr == typeof(string) ? key : TypeDescriptor.GetConverter(clr).ConvertFromString(null, CultureInfo.InvariantCulture, key);
        }
        catch (Exception ex) when (ex is FormatException or NotSupportedException or ArgumentException or OverflowException
            || ex.InnerException is FormatException or OverflowException)
        {
            return null;
        }

        return value is null ? null : definition.KeyConverter?.ConvertToProvider(value) ?? value;
    }
}
