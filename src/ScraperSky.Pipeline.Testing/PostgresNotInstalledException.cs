namespace ScraperSky.Pipeline.Testing;

/// <summary>
/// Thrown by <see cref="ThrowawayPostgres.StartAsync"/> when PostgreSQL's server programs (<c>initdb</c>, <c>pg_ctl</c>,
/// <c>postgres</c>) cannot be found and were not installed. The message says where it looked, which package to install
/// and how, and how to let <see cref="ThrowawayPostgres"/> install it
/// (<see cref="ThrowawayPostgresOptions.InstallServerIfMissing"/>).
/// </summary>
public sealed class PostgresNotInstalledException : Exception
{
    /// <summary>The environment variable that, holding a connection string, makes ScraperSky's tests use an existing server.</summary>
    internal const string ConnectionEnvironmentVariable = "SCRAPERSKY_PG_CONNECTION";

    /// <summary>Creates the exception with the standard message, which explains how to install PostgreSQL.</summary>
    public PostgresNotInstalledException()
        : base(BuildMessage(null))
    {
    }

    /// <summary>Creates the exception with the given message.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    public PostgresNotInstalledException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the given message and the failure that caused it.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    /// <param name="innerException">The failure that caused this one.</param>
    public PostgresNotInstalledException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The standard message, with <paramref name="detail"/> (what was tried) in the middle.</summary>
    internal static string BuildMessage(string? detail)
    {
        string what = "PostgreSQL's server programs (initdb, pg_ctl, postgres) were not found.";
        if (!string.IsNullOrWhiteSpace(detail))
        {
            what += " " + detail.Trim();
        }

        return what
            + $" To install them on Debian/Ubuntu, run as root: apt-get update && apt-get install -y {PostgresInstaller.Package}"
            + " (elsewhere, install PostgreSQL's server package, or set ThrowawayPostgresOptions.BinDirectory to the folder"
            + " holding initdb and pg_ctl)."
            + " To let ThrowawayPostgres install it itself when run as root with apt-get (in a CI container, say), set"
            + " ThrowawayPostgresOptions.InstallServerIfMissing = true."
            + $" To use an existing server instead, set the environment variable {ConnectionEnvironmentVariable} to its"
            + " connection string.";
    }
}
