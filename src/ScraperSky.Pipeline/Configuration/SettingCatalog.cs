using System.Reflection;

namespace ScraperSky.Pipeline.Configuration;

/// <summary>
/// One setting of <see cref="StatusWorkflowOptions"/> as the configuration binder sees it: its configuration path
/// relative to the workflow's section (<c>Mode</c>, <c>Lease:Duration</c>), the property, and the object holding it
/// (the options or one of their groups).
/// </summary>
internal sealed record WorkflowSetting(string Path, PropertyInfo Property, Func<StatusWorkflowOptions, object> Owner)
{
    public Type Type => Property.PropertyType;

    public object? GetValue(StatusWorkflowOptions options) => Property.GetValue(Owner(options));
}

/// <summary>
/// The settings of <see cref="StatusWorkflowOptions"/>: every public property with a public setter, of the options and
/// of each group (a get-only property of a <c>StatusWorkflow…Options</c> type), keyed (case-insensitively) by its path.
/// A new option needs nothing here.
/// </summary>
internal static class SettingCatalog
{
    /// <summary>Every bindable setting, in declaration order (top-level settings first, then each group's).</summary>
    public static readonly IReadOnlyList<WorkflowSetting> All = Discover();

    private static readonly Dictionary<string, WorkflowSetting> ByPath = All.ToDictionary(s => s.Path, StringComparer.OrdinalIgnoreCase);

    private static readonly HashSet<string> Groups = Properties(typeof(StatusWorkflowOptions)).Where(IsGroup).Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>The setting a configuration path (relative to a workflow's section) names, or <see langword="null"/>.</summary>
    public static WorkflowSetting? Find(string path) => ByPath.GetValueOrDefault(path);

    /// <summary>Whether a key of a workflow's section names a group of settings (<c>Lease</c>).</summary>
    public static bool IsGroup(string key) => Groups.Contains(key);

    public static string Known => string.Join(", ", All.Select(s => s.Path));

    /// <summary>Whether the start-up log shows the setting's value: not a connection string, which may hold a password.</summary>
    public static bool IsLogged(WorkflowSetting setting) => setting.Property.Name != nameof(StatusWorkflowWakeUpOptions.ConnectionString);

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

    private static List<WorkflowSetting> Discover()
    {
        var settings = new List<WorkflowSetting>();
        var top = Properties(typeof(StatusWorkflowOptions)).ToList();
        settings.AddRange(top.Where(IsSetting).Select(p => new WorkflowSetting(p.Name, p, static o => o)));
        foreach (var group in top.Where(IsGroup))
        {
            settings.AddRange(Properties(group.PropertyType).Where(IsSetting)
                .Select(p => new WorkflowSetting(group.Name + ":" + p.Name, p, o => group.GetValue(o)!)));
        }

        return settings;
    }

    private static IEnumerable<PropertyInfo> Properties(Type type)
        => type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead).OrderBy(p => p.MetadataToken);

    private static bool IsSetting(PropertyInfo property) => property.SetMethod is { IsPublic: true };

    private static bool IsGroup(PropertyInfo property) => property.SetMethod is null && property.PropertyType.IsClass && property.PropertyType != typeof(string);
}
