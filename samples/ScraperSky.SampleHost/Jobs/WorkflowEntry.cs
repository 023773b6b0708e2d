namespace ScraperSky.SampleHost.Jobs;

/// <summary>
/// A registered status workflow as the sample sees it: its name, entity and status property, and the database labels
/// of its four status values (for counting rows by role).
/// </summary>
public sealed record WorkflowEntry(string Name, Type EntityType, string StatusProperty, string Queued, string Processing, string Completed, string Error);
