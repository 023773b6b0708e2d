using System.Net;

namespace ScraperSky.SampleHost.Http;

/// <summary>A fetch that did not produce a usable body; <see cref="Exception.Message"/> is the reason a person reads on the row.</summary>
public sealed class FetchException : Exception
{
    public FetchException(string message, Uri url, HttpStatusCode? statusCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Url = url;
        StatusCode = statusCode;
    }

    /// <summary>Gets the URL the fetch started from.</summary>
    public Uri Url { get; }

    /// <summary>Gets the HTTP status of the final response, when the server answered with an error status.</summary>
    public HttpStatusCode? StatusCode { get; }
}
