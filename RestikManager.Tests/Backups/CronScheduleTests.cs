using RestikManager.Contracts.Schedules;

namespace RestikManager.Tests.Backups;

/// <summary>Schedules are read by Quartz's CronExpression; the classic five-field form is rewritten to Quartz's.</summary>
public sealed class CronScheduleTests
{
    [Theory]
    [InlineData("30 2 * * *", "0 30 2 * * ?")]
    [InlineData("0 3 * * 0", "0 0 3 ? * 1")]
    [InlineData("0 3 * * 1-5", "0 0 3 ? * 2-6")]
    [InlineData("0 3 1 * *", "0 0 3 1 * ?")]
    [InlineData("0 0 3 * * ?", "0 0 3 * * ?")]
    public void ClassicFormIsRewritten(string classic, string quartz)
    {
        CronSchedule.TryNormalize(classic, out var normalized, out var error).ShouldBeTrue(error);
        normalized.ShouldBe(quartz);
    }

    [Fact]
    public void FiresInItsTimeZone()
    {
        CronSchedule.TryParse("0 2 * * *", "Europe/Berlin", out var schedule, out var error, out _).ShouldBeTrue(error);

        var next = schedule!.NextAfter(new DateTimeOffset(2026, 7, 1, 12, 0, 0, TimeSpan.Zero));

        next.ShouldBe(new DateTimeOffset(2026, 7, 2, 0, 0, 0, TimeSpan.Zero), "02:00 in Berlin summer time is 00:00 UTC");
    }

    [Theory]
    [InlineData("0 3 1 * 1", "schedule")]
    [InlineData("* *", "schedule")]
    [InlineData("0 0 3 * * ?", "timeZone", "Nowhere/Special")]
    public void BadSchedulesSayWhichField(string expression, string field, string zone = "UTC")
    {
        CronSchedule.TryParse(expression, zone, out _, out var error, out var badField).ShouldBeFalse();
        badField.ShouldBe(field);
        error.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public void AParsedScheduleKeepsWhatItWasGivenAndWritesItselfAsThatExpression()
    {
        CronSchedule.TryParse(" 30 2 * * 1-5 ", "Europe/Berlin", out var schedule, out var error, out _).ShouldBeTrue(error);

        (schedule!.Expression, schedule.TimeZone, schedule.ToString()).ShouldBe(("30 2 * * 1-5", "Europe/Berlin", "30 2 * * 1-5"));
        System.Text.Json.JsonSerializer.Serialize(new { schedule }).ShouldBe("{\"schedule\":\"30 2 * * 1-5\"}");
        Should.Throw<System.Text.Json.JsonException>(() => System.Text.Json.JsonSerializer.Deserialize<CronSchedule>("\"30 2 * * *\""));
    }
}
