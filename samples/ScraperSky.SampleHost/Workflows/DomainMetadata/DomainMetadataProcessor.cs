using ScraperSky.Pipeline;
using ScraperSky.SampleHost.Data;
using ScraperSky.SampleHost.Http;

namespace ScraperSky.SampleHost.Workflows.DomainMetadata;

/// <summary>
/// <c>process_single_domain_for_domain_scheduler</c> (job <c>process_pending_domains</c>): fetches the domain's home
/// page and stores its title, meta description, canonical URL, language, e-mail addresses, phone numbers, HTTP
/// status and server header on the domain. It only changes the entity; the loop saves it with the outcome.
/// </summary>
public sealed class DomainMetadataProcessor(PageFetcher fetcher, SiteAddresses addresses, TimeProvider time) : IStatusItemProcessor<Domain>
{
    public async ValueTask<ItemResult> ProcessAsync(Domain item, StatusItemContext context, CancellationToken cancellationToken)
    {
        if (!SiteAddresses.IsValidDomain(item.DomainName))
        {
            return ItemResult.Failed($"'{item.DomainName}' is not a valid domain name");
        }

        item.Tld = item.DomainName[(item.DomainName.LastIndexOf('.') + 1)..];
        item.HomePageFetchedAt = item.UpdatedAt = time.GetUtcNow();
        FetchResult page;
        try
        {
            page = await fetcher.GetAsync(addresses.Root(item.DomainName), cancellationToken);
        }
        catch (FetchException ex)
        {
            // The status of an error page is worth keeping; everything else stays as the last success left it.
            item.HttpStatus = ex.StatusCode is { } status ? (int)status : item.HttpStatus;
            return ItemResult.Failed(ex.Message);
        }

        var metadata = HtmlMetadataExtractor.Extract(page.Body, page.ContentType, page.FinalUrl);
        item.HttpStatus = (int)page.StatusCode;
        item.ServerHeader = page.Server;
        item.Title = metadata.Title;
        item.MetaDescription = metadata.Description;
        item.CanonicalUrl = metadata.CanonicalUrl;
        item.Language = metadata.Language;
        item.EmailAddresses = [.. metadata.Emails];
        item.PhoneNumbers = [.. metadata.Phones];
        return ItemResult.Completed;
    }
}
