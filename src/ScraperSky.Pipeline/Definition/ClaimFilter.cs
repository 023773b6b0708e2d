namespace ScraperSky.Pipeline.Definition;

/// <summary>A translated claim filter: SQL over the claim's row alias and its parameter values.</summary>
internal sealed record ClaimFilter(string Sql, IReadOnlyList<FilterParameter> Parameters)
{
    /// <summary>Fresh parameters for one command (a parameter belongs to one command at a time).</summary>
    public IEnumerable<Npgsql.NpgsqlParameter> CreateParameters()
        => Parameters.Select(p => new Npgsql.NpgsqlParameter(p.Name, p.Value ?? DBNull.Value));
}

/// <summary>One value of a claim filter, bound as <c>@Name</c>.</summary>
internal sealed record FilterParameter(string Name, object? Value);
