using Microsoft.Extensions.Configuration;

namespace ScraperSky.Pipeline.Configuration;

/// <summary>
/// One workflow's settings in the host's configuration: its own section, then the environment section of its prefix
/// (<see cref="StatusWorkflowEnvironmentProvider"/>), which therefore wins. Binds them with the standard binder, says
/// which values cannot be read, and which provider supplied each value. Provenance is asked of the configuration when
/// needed (validation messages, the start-up log), not carried in the options.
/// </summary>
internal sealed class WorkflowConfiguration(IConfiguration configuration, WorkflowSettingsLocation location)
{
    private static readonly StatusWorkflowOptions Defaults = new();

    private IConfigurationSection Section => location.Section ?? configuration.GetSection(location.SectionPath);

    private IConfigurationSection EnvironmentSection => configuration.GetSection(location.EnvironmentSectionPath);

    /// <summary>
    /// Binds the workflow's section, then its environment section, over what code configured. Values the binder cannot
    /// convert are left out, so that every other value is bound and validated; <see cref="Problems"/> reports them.
    /// </summary>
    public void Bind(StatusWorkflowOptions options)
    {
        foreach (var section in new[] { Section, EnvironmentSection })
        {
            var unreadable = Unreadable(section).Select(u => u.Key.Path).ToHashSet(StringComparer.OrdinalIgnoreCase);
            if (unreadable.Count == 0)
            {
                section.Bind(options);
                continue;
            }

            // The binder throws at the first value it cannot convert: bind a copy of the section without those.
            var readable = section.AsEnumerable().Where(pair => !unreadable.Contains(pair.Key));
            new ConfigurationBuilder().AddInMemoryCollection(readable).Build().GetSection(section.Path).Bind(options);
        }
    }

    /// <summary>Values that cannot be read, each a sentence naming the key or variable and the value as written.</summary>
    public IEnumerable<string> Problems()
    {
        var problems = new List<string>();
        foreach (var (key, setting) in Unreadable(Section).Concat(Unreadable(EnvironmentSection)))
        {
            var source = Supplier(key) ?? new SettingSource(SettingOrigin.Configuration, key.Path, key.Value);
            problems.Add($"{source.Key}={source.RawValue} {SettingCatalog.Complaint(setting.Type)} (for {setting.Path}).");
        }

        problems.AddRange(EnvironmentEntries(configuration).Where(e => e.Prefix == location.Prefix).Select(e => e.Problem).OfType<string>());
        return problems.Distinct(StringComparer.Ordinal);
    }

    /// <summary>Where the value of <paramref name="setting"/> in <paramref name="options"/> came from.</summary>
    public SettingSource SourceOf(WorkflowSetting setting, StatusWorkflowOptions options)
        => ReadableSupplier(EnvironmentSection, setting)
            ?? ReadableSupplier(Section, setting)
            ?? CodeOrDefault(setting, options);

    /// <summary>The source of a value set by no configuration: code, or the default (code that sets a default reads as the default).</summary>
    public static SettingSource CodeOrDefault(WorkflowSetting setting, StatusWorkflowOptions options)
        => Equals(setting.GetValue(options), setting.GetValue(Defaults)) ? SettingSource.Default : SettingSource.Code;

    /// <summary>The keys of the workflow's section that name no setting (the binder ignores them); a group's keys are looked at one by one.</summary>
    public IEnumerable<string> UnknownKeys()
    {
        foreach (var key in Section.GetChildren())
        {
            if (SettingCatalog.IsGroup(key.Key) && key.Value is null)
            {
                foreach (var inner in key.GetChildren().Where(inner => SettingCatalog.Find(key.Key + ":" + inner.Key) is null))
                {
                    yield return inner.Path;
                }
            }
            else if (SettingCatalog.Find(key.Key) is null)
            {
                yield return key.Path;
            }
        }
    }

    /// <summary>Every <c>*_SCHEDULER_*</c> variable that environment sources in <paramref name="configuration"/> read.</summary>
    public static IEnumerable<EnvironmentEntry> EnvironmentEntries(IConfiguration configuration)
        => Providers(configuration).OfType<StatusWorkflowEnvironmentProvider>().SelectMany(p => p.Entries);

    /// <summary>The configuration's providers in precedence order (last wins), with chained configurations opened.</summary>
    private static IEnumerable<IConfigurationProvider> Providers(IConfiguration configuration)
        => configuration is IConfigurationRoot root
            ? root.Providers.SelectMany(p => p is ChainedConfigurationProvider { Configuration: IConfigurationRoot inner } ? Providers(inner) : [p])
            : [];

    private SettingSource? ReadableSupplier(IConfigurationSection section, WorkflowSetting setting)
    {
        var key = section.GetSection(setting.Path);
        return key.Value is not null && Readable(key, setting.Type) ? Supplier(key) : null;
    }

    /// <summary>The provider that supplies <paramref name="key"/>: the last one that has it, as the configuration reads it.</summary>
    private SettingSource? Supplier(IConfigurationSection key)
    {
        var providers = Providers(configuration).ToList();
        if (providers.Count == 0 || (location.Section is not null && !key.Path.StartsWith(WorkflowEnvironment.SectionPath + ":", StringComparison.OrdinalIgnoreCase)))
        {
            // Not a configuration root, or a section given at registration: the value is known, not who set it.
            return key.Value is { } raw ? new SettingSource(SettingOrigin.Configuration, key.Path, raw) : null;
        }

        for (var i = providers.Count - 1; i >= 0; i--)
        {
            if (providers[i].TryGet(key.Path, out var value) && value is not null)
            {
                return providers[i] is StatusWorkflowEnvironmentProvider environment && environment.SetterOf(key.Path) is { } entry
                    ? new SettingSource(SettingOrigin.Environment, entry.Variable, entry.RawValue)
                    : new SettingSource(SettingOrigin.Configuration, key.Path, value);
            }
        }

        return null;
    }

    /// <summary>Every value of <paramref name="section"/> that names a setting and that the binder cannot convert.</summary>
    private static IEnumerable<(IConfigurationSection Key, WorkflowSetting Setting)> Unreadable(IConfigurationSection section)
    {
        foreach (var (path, value) in section.AsEnumerable(makePathsRelative: true))
        {
            if (value is not null && SettingCatalog.Find(path) is { } setting && section.GetSection(path) is var key && !Readable(key, setting.Type))
            {
                yield return (key, setting);
            }
        }
    }

    /// <summary>Whether the binder converts the key's value to <paramref name="type"/>; asking it keeps its rules in one place.</summary>
    private static bool Readable(IConfigurationSection key, Type type)
    {
        try
        {
            key.Get(type);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
