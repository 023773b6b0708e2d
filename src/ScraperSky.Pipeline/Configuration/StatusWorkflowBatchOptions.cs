namespace ScraperSky.Pipeline;

/// <summary>How much one claim and one run of a status workflow take: <see cref="StatusWorkflowOptions.Batch"/>.</summary>
public sealed class StatusWorkflowBatchOptions
{
    /// <summary>The default <see cref="Size"/>: 10, as in ScraperSky's Python job functions.</summary>
    public const int DefaultSize = 10;

    /// <summary>The largest accepted <see cref="Size"/>.</summary>
    public const int MaxSize = 10_000;

    /// <summary>The default <see cref="MaxPerRun"/>.</summary>
    public const int DefaultMaxPerRun = 100;

    /// <summary>Gets or sets the number of rows one claim takes.</summary>
    /// <value>Default <see cref="DefaultSize"/> (10); from 1 to <see cref="MaxSize"/>.</value>
    public int Size { get; set; } = DefaultSize;

    /// <summary>Gets or sets how many batches one run claims at most before yielding until the next interval.</summary>
    /// <value>Default <see cref="DefaultMaxPerRun"/> (100); at least 1.</value>
    public int MaxPerRun { get; set; } = DefaultMaxPerRun;
}
