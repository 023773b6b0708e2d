using System.Globalization;

namespace ScraperSky.Pipeline.Configuration;

/// <summary>Reads a setting's text into the options; returns what is wrong with the text (completing "X=value …"), or null.</summary>
internal delegate string? SettingParser(string raw, StatusWorkflowOptions options);

/// <summary>The parsers of the settings tables. Only the form is checked here; ranges are the validator's.</summary>
internal static class SettingParsers
{
    public static SettingParser Int(Action<StatusWorkflowOptions, int> set)
        => (raw, options) => Apply(int.TryParse(raw.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value), options, value, set, "is not a whole number");

    public static SettingParser Seconds(Action<StatusWorkflowOptions, TimeSpan> set)
        => (raw, options) => Apply(int.TryParse(raw.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value), options, TimeSpan.FromSeconds(value), set, "is not a whole number of seconds");

    public static SettingParser Minutes(Action<StatusWorkflowOptions, TimeSpan> set)
        => (raw, options) => Apply(int.TryParse(raw.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value), options, TimeSpan.FromMinutes(value), set, "is not a whole number of minutes");

    public static SettingParser Bool(Action<StatusWorkflowOptions, bool> set)
        => (raw, options) => Apply(TryParseBool(raw.Trim(), out var value), options, value, set, "is not true or false");

    /// <summary>A time span as configuration files write it (<c>00:05:00</c>, <c>1.00:00:00</c>), as the configuration binder reads it.</summary>
    public static SettingParser Duration(Action<StatusWorkflowOptions, TimeSpan> set)
        => (raw, options) => Apply(TimeSpan.TryParse(raw.Trim(), CultureInfo.InvariantCulture, out var value), options, value, set, "is not a time span such as 00:05:00");

    /// <summary>An enum value by name, case-insensitive (numbers are refused: they would accept values the enum does not define).</summary>
    public static SettingParser Choice<TEnum>(Action<StatusWorkflowOptions, TEnum> set)
        where TEnum : struct, Enum
        => (raw, options) => Apply(
            !int.TryParse(raw.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) && Enum.TryParse(raw.Trim(), ignoreCase: true, out TEnum value) && Enum.IsDefined(value),
            options,
            Enum.TryParse(raw.Trim(), ignoreCase: true, out TEnum parsed) ? parsed : default,
            set,
            "is not one of " + string.Join(", ", Enum.GetNames<TEnum>()));

    public static SettingParser Text(Action<StatusWorkflowOptions, string> set)
        => (raw, options) =>
        {
            set(options, raw.Trim());
            return null;
        };

    private static string? Apply<T>(bool parsed, StatusWorkflowOptions options, T value, Action<StatusWorkflowOptions, T> set, string complaint)
    {
        if (!parsed)
        {
            return complaint;
        }

        set(options, value);
        return null;
    }

    private static bool TryParseBool(string raw, out bool value)
    {
        // The seeds' settings accept the usual spellings of a boolean environment variable.
        switch (raw.ToLowerInvariant())
        {
            case "true" or "1" or "yes" or "on":
                value = true;
                return true;
            case "false" or "0" or "no" or "off":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }
}
