namespace ScraperSky.Pipeline;

/// <summary>
/// Thrown when a processor tries to begin, commit or roll back a transaction (or a savepoint) on the session
/// whose transaction the workflow loop owns. The item ends with the workflow's error status.
/// </summary>
public sealed class ProcessorTransactionException : PipelineException
{
    /// <summary>Initializes a new instance with a message naming the workflow and the refused operation.</summary>
    /// <param name="message">The message.</param>
    public ProcessorTransactionException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the exception that revealed the attempt.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The underlying exception.</param>
    public ProcessorTransactionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
