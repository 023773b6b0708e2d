using ScraperSky.Pipeline;
using ScraperSky.SampleHost.Data;

namespace ScraperSky.SampleHost.Workflows;

/// <summary>
/// <c>process_single_domain_for_domain_scheduler</c>: validates the domain name and records its top-level domain.
/// It only changes the entity; the workflow loop saves it and writes the outcome in the same transaction.
/// </summary>
public sealed class DomainProcessor(TimeProvider time) : IStatusItemProcessor<Domain>
{
    public ValueTask<ItemResult> ProcessAsync(Domain item, StatusItemContext context, CancellationToken cancellationToken)
    {
        if (Uri.CheckHostName(item.DomainName) != UriHostNameType.Dns || !item.DomainName.Contains('.', StringComparison.Ordinal))
        {
            return ValueTask.FromResult(ItemResult.Failed($"'{item.DomainName}' is not a valid domain name"));
        }

        item.Tld = item.DomainName[(item.DomainName.LastIndexOf('.') + 1)..];
        item.UpdatedAt = time.GetUtcNow();
        return ValueTask.FromResult(ItemResult.Completed);
    }
}
