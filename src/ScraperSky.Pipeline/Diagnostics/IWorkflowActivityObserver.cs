namespace ScraperSky.Pipeline.Diagnostics;

/// <summary>Hands each workflow of a container the sink its activity is also reported to (registered by a feature above the engine).</summary>
internal interface IWorkflowActivityObserver
{
    /// <summary>Returns the sink of <paramref name="workflow"/>, or null to observe nothing of it.</summary>
    IWorkflowActivitySink? Observe(string workflow);
}
