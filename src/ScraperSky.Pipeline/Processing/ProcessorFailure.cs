using Microsoft.EntityFrameworkCore;
using ScraperSky.Pipeline.Claiming;

namespace ScraperSky.Pipeline.Processing;

/// <summary>Turns what a processor threw into the error text a person reads on the row.</summary>
internal static class ProcessorFailure
{
    /// <summary>The longest error text written to a row; the full exception goes to the log.</summary>
    public const int MaxReasonLength = ErrorReason.MaxLength;

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

    public static string Reason(Exception failure) => ErrorReason.Of(failure);

    public static bool IsDatabaseError(Exception failure) => ErrorReason.IsDatabaseError(failure);
}
