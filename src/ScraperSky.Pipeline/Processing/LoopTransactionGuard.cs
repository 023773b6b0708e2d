using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace ScraperSky.Pipeline.Processing;

/// <summary>
/// An EF Core interceptor added to every DbContext type a workflow uses. While a processor runs
/// (<see cref="ItemScope"/>), it refuses transaction control on the loop's session with a
/// <see cref="ProcessorTransactionException"/>, and it opens the item's savepoint right before the processor's
/// first command. Outside a processor it does nothing.
/// </summary>
internal sealed class LoopTransactionGuard : IDbCommandInterceptor, IDbTransactionInterceptor
{
    public static readonly LoopTransactionGuard Instance = new();

    private LoopTransactionGuard()
    {
    }

    public InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        BeforeCommand(command, eventData);
        return result;
    }

    public async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        await BeforeCommandAsync(command, eventData, cancellationToken).ConfigureAwait(false);
        return result;
    }

    public InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        BeforeCommand(command, eventData);
        return result;
    }

    public async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        await BeforeCommandAsync(command, eventData, cancellationToken).ConfigureAwait(false);
        return result;
    }

    public InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        BeforeCommand(command, eventData);
        return result;
    }

    public async ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        await BeforeCommandAsync(command, eventData, cancellationToken).ConfigureAwait(false);
        return result;
    }

    public InterceptionResult<DbTransaction> TransactionStarting(DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result)
    {
        Refuse(eventData, "begin a transaction");
        return result;
    }

    public ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default)
    {
        Refuse(eventData, "begin a transaction");
        return ValueTask.FromResult(result);
    }

    public InterceptionResult TransactionCommitting(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        Refuse(eventData, "commit the transaction");
        return result;
    }

    public ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        Refuse(eventData, "commit the transaction");
        return ValueTask.FromResult(result);
    }

    public InterceptionResult TransactionRollingBack(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        Refuse(eventData, "roll back the transaction");
        return result;
    }

    public ValueTask<InterceptionResult> TransactionRollingBackAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        Refuse(eventData, "roll back the transaction");
        return ValueTask.FromResult(result);
    }

    public InterceptionResult CreatingSavepoint(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        Refuse(eventData, "create a savepoint");
        return result;
    }

    public ValueTask<InterceptionResult> CreatingSavepointAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        Refuse(eventData, "create a savepoint");
        return ValueTask.FromResult(result);
    }

    public InterceptionResult RollingBackToSavepoint(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        Refuse(eventData, "roll back to a savepoint");
        return result;
    }

    public ValueTask<InterceptionResult> RollingBackToSavepointAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        Refuse(eventData, "roll back to a savepoint");
        return ValueTask.FromResult(result);
    }

    public InterceptionResult ReleasingSavepoint(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        Refuse(eventData, "release a savepoint");
        return result;
    }

    public ValueTask<InterceptionResult> ReleasingSavepointAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        Refuse(eventData, "release a savepoint");
        return ValueTask.FromResult(result);
    }

    internal static ProcessorTransactionException TransactionRefused(string workflowName, string operation, Exception? inner = null)
    {
        var message =
            $"Status workflow '{workflowName}': the processor tried to {operation}, but the workflow loop owns the transaction. " +
            "Processors run inside the loop's transaction and must not begin, commit or roll back transactions or savepoints; " +
            "the loop saves your changes and commits them with the item's outcome.";
        return inner is null ? new ProcessorTransactionException(message) : new ProcessorTransactionException(message, inner);
    }

    private static void Refuse(DbContextEventData eventData, string operation)
    {
        if (ItemScope.Current is { BeginningTransaction: false } scope && ReferenceEquals(scope.Context, eventData.Context))
        {
            throw TransactionRefused(scope.WorkflowName, operation);
        }
    }

    internal static PipelineException AbandonedCommandRefused(string workflowName)
        => new($"Status workflow '{workflowName}': this item was abandoned after it ignored its cancellation (its timeout passed, or the host stopped); its session refuses further commands, and nothing it does now is saved.");

    private static ItemScope? FirstCommandOfItem(DbCommand command, CommandEventData eventData)
    {
        if (ItemScope.Current is not { } current || !ReferenceEquals(current.Context, eventData.Context))
        {
            return null;
        }

        if (current.Abandoned)
        {
            throw AbandonedCommandRefused(current.WorkflowName);
        }

        // Raw SQL gets the same refusal as the transaction API: a COMMIT would release the batch's row locks.
        if (!current.BeginningTransaction && TransactionControlScanner.Find(command.CommandText) is { } control)
        {
            throw TransactionRefused(current.WorkflowName, $"run '{control}' through its session");
        }

        if (ItemScope.Current is { TouchedDatabase: false } scope && ReferenceEquals(scope.Context, eventData.Context))
        {
            scope.TouchedDatabase = true;

            // An item running untracked is attached before the processor's first command, so that what the command
            // reads resolves to the claimed instance, as it would if the item had been tracked from the start.
            scope.AttachPendingItem();
            return scope;
        }

        return null;
    }

    private static void BeforeCommand(DbCommand command, CommandEventData eventData)
    {
        if (FirstCommandOfItem(command, eventData) is not { } scope)
        {
            return;
        }

        if (scope.UseSavepoint)
        {
            using var savepoint = CreateSavepointCommand(command);
            savepoint.ExecuteNonQuery();
            return;
        }

        // Lease mode: the item's transaction begins with its first command (EF's own transaction around SaveChanges is
        // off on the loop's sessions), so an item that never touches the database never takes a connection.
        scope.BeginningTransaction = true;
        try
        {
            command.Transaction = scope.Context.Database.BeginTransaction().GetDbTransaction();
            scope.BackendProcessId = (command.Connection as NpgsqlConnection)?.ProcessID;
        }
        finally
        {
            scope.BeginningTransaction = false;
        }
    }

    private static async ValueTask BeforeCommandAsync(DbCommand command, CommandEventData eventData, CancellationToken cancellationToken)
    {
        if (FirstCommandOfItem(command, eventData) is not { } scope)
        {
            return;
        }

        if (scope.UseSavepoint)
        {
            var savepoint = CreateSavepointCommand(command);
            await using (savepoint.ConfigureAwait(false))
            {
                await savepoint.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        scope.BeginningTransaction = true;
        try
        {
            var transaction = await scope.Context.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            command.Transaction = transaction.GetDbTransaction();
            scope.BackendProcessId = (command.Connection as NpgsqlConnection)?.ProcessID;
        }
        finally
        {
            scope.BeginningTransaction = false;
        }
    }

    private static DbCommand CreateSavepointCommand(DbCommand command)
    {
        var savepoint = command.Connection!.CreateCommand();
        savepoint.Transaction = command.Transaction;
        savepoint.CommandText = "SAVEPOINT " + ItemScope.SavepointName;
        return savepoint;
    }
}
