using System.Globalization;

namespace ScraperSky.Pipeline.Configuration;

/// <summary>
/// A setting read from the environment variable <c>{PREFIX}_SCHEDULER_{Suffix}</c>: the configuration path of the option
/// it sets (relative to the workflow's section, such as <c>Lease:Duration</c>), and how the
/// variable's text becomes that option's configuration value (<see cref="Convert"/> returns <see langword="null"/>
/// when the text does not fit, and <see cref="Complaint"/> completes "X=value …").
/// </summary>
internal sealed record EnvironmentSetting(string Suffix, string Path, Func<string, string?> Convert, string Complaint);

/// <summary>
/// The environment variables' suffixes, their units and the setting each maps onto. A new setting is one line here if it has a
/// variable; the configuration key of every setting is its path (<c>Lease:Duration</c>), bound by the standard binder
/// (a test checks that every path here names a setting). Only the form is checked
/// here; ranges are the validator's.
/// </summary>
internal static class EnvironmentSettings
{
    public static readonly IReadOnlyList<EnvironmentSetting> All =
    [
        Bool("ENABLED", "Enabled"),
        Text("JOB_ID", "Schedule:JobId"),
        Int("BATCH_SIZE", "Batch:Size"),
        Seconds("INTERVAL_SECONDS", "Schedule:Interval"),
        Minutes("INTERVAL_MINUTES", "Schedule:Interval"),
        Text("CRON", "Schedule:Cron"),
        Text("TIMEZONE", "Schedule:TimeZone"),
        Int("MAX_BATCHES_PER_RUN", "Batch:MaxPerRun"),
        Int("MAX_INSTANCES", "Schedule:MaxInstances"),
        Seconds("MISFIRE_GRACE_SECONDS", "Schedule:MisfireGraceTime"),
        Bool("COALESCE", "Schedule:Coalesce"),
        Seconds("JITTER_SECONDS", "Schedule:StartJitter"),
        Int("MAX_CONSECUTIVE_FAILURES", "Schedule:MaxConsecutiveFailures"),
        Seconds("FAILURE_BACKOFF_SECONDS", "Schedule:FailureBackoff"),
        Choice<ClaimMode>("MODE", "Mode"),
        Seconds("LEASE_SECONDS", "Lease:Duration"),
        Seconds("LEASE_RENEWAL_SECONDS", "Lease:RenewalInterval"),
        Int("MAX_ATTEMPTS", "Retry:MaxAttempts"),
        Int("PARALLELISM", "Parallelism"),
        Seconds("ITEM_TIMEOUT_SECONDS", "ItemTimeout"),
        Seconds("RETRY_DELAY_SECONDS", "Retry:Delay"),
        Seconds("MAX_RETRY_DELAY_SECONDS", "Retry:MaxDelay"),
        Choice<StartupCheckMode>("STARTUP_CHECK", "StartupCheck"),
        Bool("WAKE_UP", "WakeUp:Enabled"),
    ];

    private static readonly Dictionary<string, int> BySuffix = All.Select((s, i) => (s.Suffix, i)).ToDictionary(p => p.Suffix, p => p.i, StringComparer.Ordinal);

    /// <summary>The setting of a suffix (case-sensitive, as variable names are), or <see langword="null"/>.</summary>
    public static EnvironmentSetting? Find(string suffix) => BySuffix.TryGetValue(suffix, out var i) ? All[i] : null;

    /// <summary>The suffix's place in <see cref="All"/> (unknown suffixes last), so that conflicts are reported in table order.</summary>
    public static int Rank(string suffix) => BySuffix.TryGetValue(suffix, out var i) ? i : int.MaxValue;

    public static string KnownSuffixes => string.Join(", ", All.Select(s => s.Suffix));

    private static EnvironmentSetting Int(string suffix, string path)
        => new(suffix, path, raw => TryInt(raw, out var value) ? value.ToString(CultureInfo.InvariantCulture) : null, "is not a whole number");

    private static EnvironmentSetting Seconds(string suffix, string path)
        => new(suffix, path, raw => TryInt(raw, out var value) ? Duration(TimeSpan.FromSeconds(value)) : null, "is not a whole number of seconds");

    private static EnvironmentSetting Minutes(string suffix, string path)
        => new(suffix, path, raw => TryInt(raw, out var value) ? Duration(TimeSpan.FromMinutes(value)) : null, "is not a whole number of minutes");

    private static EnvironmentSetting Text(string suffix, string path) => new(suffix, path, raw => raw.Trim(), string.Empty);

    /// <summary>The usual spellings of a boolean environment variable.</summary>
    private static EnvironmentSetting Bool(string suffix, string path)
        => new(suffix, path, raw => raw.Trim().ToLowerInvariant() switch
        {
            "true" or "1" or "yes" or "on" => "true",
            "false" or "0" or "no" or "off" => "false",
            _ => null,
        }, "is not true or false");

    /// <summary>An enum value by name, case-insensitive; numbers are refused (they would accept values the enum does not define).</summary>
    private static EnvironmentSetting Choice<TEnum>(string suffix, string path)
        where TEnum : struct, Enum
        => new(
            suffix,
            path,
            raw => !TryInt(raw, out _) && Enum.TryParse(raw.Trim(), ignoreCase: true, out TEnum value) && Enum.IsDefined(value) ? value.ToString() : null,
            "is not one of " + string.Join(", ", Enum.GetNames<TEnum>()));

    private static bool TryInt(string raw, out int value)
        => int.TryParse(raw.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    /// <summary>A time span as the configuration binder reads it.</summary>
    private static string Duration(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
}
