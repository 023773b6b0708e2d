using System.Globalization;
using Microsoft.EntityFrameworkCore;
using ScraperSky.SampleHost.Data;

namespace ScraperSky.SampleHost.Api;

/// <summary>
/// Reads and validates query parameters; the first problem becomes <see cref="Error"/>, which the endpoint returns as
/// a 400 with that message.
/// </summary>
internal sealed class QueryReader(HttpRequest request)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    public string? Error { get; private set; }

    public TEnum? Enum<TEnum>(string name)
        where TEnum : struct, Enum
    {
        var text = request.Query[name].ToString();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (EnumLabels<TEnum>.TryParse(text, out var value))
        {
            return value;
        }

        Error ??= EnumLabels<TEnum>.Invalid(name, text);
        return null;
    }

    public long? Id(string name)
    {
        var text = request.Query[name].ToString();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0)
        {
            return value;
        }

        Error ??= $"{name} must be a positive whole number, not '{text}'";
        return null;
    }

    public (int Page, int Size) Paging()
    {
        var page = Number("page", 1, 1, int.MaxValue);
        var size = Number("size", DefaultPageSize, 1, MaxPageSize);
        return (page, size);
    }

    public async Task<PagedResult<TView>> PageAsync<TEntity, TView>(IQueryable<TEntity> rows, int page, int size, Func<TEntity, TView> view, CancellationToken cancellationToken)
    {
        var total = await rows.LongCountAsync(cancellationToken);

        // In 64 bits: (page - 1) × size overflows an int for large pages (2147483647 × 50 went negative and failed;
        // 33554432 × 128 wrapped to 0 and served page one again). A page past the last row is empty, as any other.
        var offset = (long)(page - 1) * size;
        if (offset >= total || offset > int.MaxValue)
        {
            return new PagedResult<TView>([], page, size, total);
        }

        var items = await rows.Skip((int)offset).Take(size).ToListAsync(cancellationToken);
        return new PagedResult<TView>(items.ConvertAll(e => view(e)), page, size, total);
    }

    private int Number(string name, int fallback, int min, int max)
    {
        var text = request.Query[name].ToString();
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        Error ??= max == int.MaxValue
            ? $"{name} must be a whole number of at least {min}, not '{text}'"
            : $"{name} must be a whole number from {min} to {max}, not '{text}'";
        return fallback;
    }
}
