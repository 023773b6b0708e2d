namespace ScraperSky.Pipeline.Claiming;

/// <summary>Quotes PostgreSQL identifiers, so mixed case, spaces and reserved words are safe in generated SQL.</summary>
internal static class SqlIdentifier
{
    public static string Quote(string identifier)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    public static string Qualify(string? schema, string name)
        => schema is null ? Quote(name) : Quote(schema) + "." + Quote(name);
}
