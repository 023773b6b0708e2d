using ScraperSky.Pipeline.Configuration;

namespace ScraperSky.Pipeline.Tests.Configuration;

/// <summary>The settings table of the grouped options: configuration paths, and the variables that map onto them.</summary>
public sealed class SettingCatalogTests
{
    [Fact]
    public void All_GroupedOptions_AreKeyedByTheirConfigurationPath()
        => SettingCatalog.All.Select(s => s.Path).Should().Contain(["Enabled", "Mode", "Batch:Size", "Schedule:Interval", "Lease:Duration", "Retry:MaxAttempts", "WakeUp:Enabled"])
            .And.NotContain(["Batch", "Schedule", "Lease", "Retry", "WakeUp"], "a group is not a setting");

    [Fact]
    public void EnvironmentSettings_EveryVariable_MapsOntoASettingOfItsType()
    {
        foreach (var variable in EnvironmentSettings.All)
        {
            var setting = SettingCatalog.Find(variable.Path);
            setting.Should().NotBeNull($"{variable.Suffix} maps onto {variable.Path}");
        }
    }

    [Fact]
    public void GetValue_GroupedSetting_ReadsItFromItsGroup()
    {
        var options = new StatusWorkflowOptions();
        options.Lease.Duration = TimeSpan.FromSeconds(42);

        SettingCatalog.Find("lease:duration")!.GetValue(options).Should().Be(TimeSpan.FromSeconds(42));
    }
}
