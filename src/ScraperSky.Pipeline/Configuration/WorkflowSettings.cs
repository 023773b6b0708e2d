using System.Reflection;

namespace ScraperSky.Pipeline.Configuration;

/// <summary>
/// The settings of <see cref="StatusWorkflowOptions"/> as the configuration binder sees them: every public property
/// with a public setter, keyed (case-insensitively) by its name. A new option needs nothing here.
/// </summary>
internal static class WorkflowSettings
{
    /// <summary>Every bindable setting, in declaration order.</summary>
    public static readonly IReadOnlyList<PropertyInfo> All = typeof(StatusWorkflowOptions)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.CanRead && p.SetMethod is { IsPublic: true })
        .OrderBy(p => p.MetadataToken)
        .ToArray();

    private static readonly Dictionary<string, PropertyInfo> ByName = All.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>The setting a configuration key names, or <see langword="null"/>.</summary>
    public static PropertyInfo? Find(string key) => ByName.GetValueOrDefault(key);

    public static string Known => string.Join(", ", All.Select(p => p.Name));

    /// <summary>Whether the start-up log shows the setting's value: not a connection string, which may hold a password.</summary>
    public static bool IsLogged(PropertyInfo setting) => setting.Name != nameof(StatusWorkflowOptions.WakeUpConnectionString);

    /// <summary>What is wrong with text the binder could not convert to <paramref name="type"/> (completing "key=value …").</summary>
    public static string Complaint(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            _ when type == typeof(int) => "is not a whole number",
            _ when type == typeof(bool) => "is not true or false",
            _ when type == typeof(TimeSpan) => "is not a time span such as 00:05:00",
            { IsEnum: true } => "is not one of " + string.Join(", ", Enum.GetNames(type)),
            _ => "cannot be read as " + type.Name,
        };
    }
}
