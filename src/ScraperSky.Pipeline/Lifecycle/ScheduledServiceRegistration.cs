using ScraperSky.Pipeline.Scheduling;

namespace ScraperSky.Pipeline.Lifecycle;

/// <summary>What <c>AddScheduledService</c> recorded: the service's job id, its schedule and the service type.</summary>
internal sealed record ScheduledServiceRegistration(string JobId, JobSchedule Schedule, Type ServiceType);
