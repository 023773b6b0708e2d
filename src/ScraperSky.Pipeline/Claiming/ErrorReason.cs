using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace ScraperSky.Pipeline.Claiming;

/// <summary>The error text a person reads on a row, from an exception.</summary>
internal static class ErrorReason
{
    /// <summary>The longest error text written to a row; the full exception goes to the log.</summary>
    public const int MaxLength = 2000;

    public static string Of(Exception failure)
    {
        // EF wraps database errors ("An error occurred while saving…", "…likely due to a transient failure"): the
        // database's own message is the one a person can act on.
        var message = failure switch
        {
            DbUpdateException { InnerException: { } inner } => inner.Message,
            InvalidOperationException { InnerException: System.Data.Common.DbException inner } => inner.Message,
            _ => failure.Message,
        };
        if (string.IsNullOrWhiteSpace(message))
        {
            message = failure.GetType().Name;
        }

        return message.Length <= MaxLength ? message : message[..MaxLength];
    }

    public static bool IsDatabaseError(Exception failure)
    {
        for (var current = failure; current is not null; current = current.InnerException)
        {
            if (current is PostgresException)
            {
                return true;
            }
        }

        return false;
    }
}
