namespace ScraperSky.Pipeline;

/// <summary>
/// The base of the exceptions the library throws for failures at run time. Misuse of the API is reported with
/// the usual CLR exceptions (<see cref="ArgumentException"/>, <see cref="InvalidOperationException"/>) and bad
/// options with <see cref="Microsoft.Extensions.Options.OptionsValidationException"/>.
/// </summary>
public class PipelineException : Exception
{
    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public PipelineException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and its cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The underlying exception.</param>
    public PipelineException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
