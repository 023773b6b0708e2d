namespace ScraperSky.SampleHost.Workflows.DeepScan;

/// <summary>The places API answered, but not with details; the message is the reason a person reads on the row.</summary>
public sealed class PlacesApiException(string message, Exception? innerException = null) : Exception(message, innerException);
