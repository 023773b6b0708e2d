namespace ScraperSky.Pipeline.Definition;

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

    /// <summary>
    /// A name the library gives a database object of a workflow (<paramref name="prefix"/>, the workflow's name, then
    /// <paramref name="suffix"/>): lower case, every character other than a letter or digit as <c>_</c>, at most 63 bytes.
    /// When that folds the name (<c>exp.jobs</c>, <c>Foo</c>) or cuts it, a hash of the exact name follows, so that two
    /// workflows never share a name.
    /// </summary>
    public static string Bounded(string prefix, string workflowName, string suffix)
    {
        const int MaxIdentifierLength = 63;
        var builder = new System.Text.StringBuilder(workflowName.Length);
        foreach (var c in workflowName)
        {
            builder.Append(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) ? c : char.IsAsciiLetterUpper(c) ? char.ToLowerInvariant(c) : '_');
        }

        var readable = builder.ToString();
        var room = MaxIdentifierLength - prefix.Length - suffix.Length;
        if (string.Equals(readable, workflowName, StringComparison.Ordinal) && readable.Length <= room)
        {
            return prefix + readable + suffix;
        }

        var hash = "_" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(workflowName)))[..8];
        return prefix + readable[..Math.Min(readable.Length, room - hash.Length)] + hash + suffix;
    }
}
