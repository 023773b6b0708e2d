using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace ScraperSky.Pipeline.Processing;

/// <summary>Turns what a processor threw into the error text a person reads on the row.</summary>
internal static class ProcessorFailure
{
    /// <summary>The longest error text written to a row; the full exception goes to the log.</summary>
    public const int MaxReasonLength = 2000;

    public static Exception Translate(Exception failure, DbContext db, string workflowName)
    {
        // EF refuses a second transaction before any interceptor runs, so a processor's BeginTransaction
        // surfaces as EF's generic InvalidOperationException; name the rule instead.
        if (failure is InvalidOperationException
            && db.Database.CurrentTransaction is not null
            && failure.StackTrace?.Contains(".BeginTransaction", StringComparison.Ordinal) == true)
        {
            return LoopTransactionGuard.TransactionRefused(workflowName, "begin a transaction", failure);
        }

        return failure;
    }

    public static string Reason(Exception failure)
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

        return message.Length <= MaxReasonLength ? message : message[..MaxReasonLength];
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
