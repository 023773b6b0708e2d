using ScraperSky.Pipeline.History;

namespace ScraperSky.Pipeline.Tests.History;

public sealed class ErrorMessageNormalizerTests
{
    [Theory]
    [InlineData("timeout after 30 s fetching 'https://a.test/x'", "timeout after # s fetching '…'")]
    [InlineData("timeout after 7 s fetching 'https://b.test/y?q=1'", "timeout after # s fetching '…'")]
    [InlineData("row 3f2504e0-4f89-11d3-9a0c-0305e82c3301 is locked", "row # is locked")]
    [InlineData("hash 9f86d081884c7d65 mismatch at 0x1F", "hash # mismatch at #")]
    [InlineData("fetch https://a.test/p/12 failed", "fetch <url> failed")]
    [InlineData("waited 1.5s then 250ms", "waited #s then #ms")]
    [InlineData("can't parse \"x=1\"  at\nline 4", "can't parse \"…\" at line #")]
    [InlineData("http2 stream reset on IPv4 address 10.0.0.1", "http2 stream reset on IPv4 address #")]
    [InlineData("gave up (gave up after 3 attempts)", "gave up (gave up after # attempts)")]
    public void Normalize_VaryingParts_AreFolded(string message, string expected)
        => ErrorMessageNormalizer.Normalize(message).Should().Be(expected);

    [Fact]
    public void Normalize_DifferentCauses_StayApart()
    {
        var notFound = ErrorMessageNormalizer.Normalize("Response status code does not indicate success: 404 (Not Found).");
        var serverError = ErrorMessageNormalizer.Normalize("Response status code does not indicate success: 500 (Internal Server Error).");

        notFound.Should().NotBe(serverError);
        notFound.Should().Be("Response status code does not indicate success: # (Not Found).");
    }

    [Fact]
    public void Normalize_BlankOrLong_IsBoundedAndNamed()
    {
        ErrorMessageNormalizer.Normalize("  ").Should().Be("(no message)");
        ErrorMessageNormalizer.Normalize(null).Should().Be("(no message)");
        var cut = ErrorMessageNormalizer.Normalize(new string('x', 1000));
        cut.Should().HaveLength(ErrorMessageNormalizer.MaxLength).And.EndWith("…");
    }
}
