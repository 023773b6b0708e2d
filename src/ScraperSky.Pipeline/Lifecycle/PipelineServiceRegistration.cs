namespace ScraperSky.Pipeline.Lifecycle;

/// <summary>Marks a service type registered with <c>AddPipelineService</c>, so that registering it twice is harmless.</summary>
internal sealed record PipelineServiceRegistration(Type ServiceType);
