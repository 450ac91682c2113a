using System.Text.Json;
using System.Text.Json.Serialization;

namespace RestikManager.Contracts.Schedules;

/// <summary>
/// Writes a <see cref="CronSchedule"/> as its expression. Reading one needs its time zone, which the JSON around it holds:
/// a schedule is read as a string and parsed with its zone where it comes in.
/// </summary>
public sealed class CronScheduleJsonConverter : JsonConverter<CronSchedule>
{
    public override CronSchedule Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new JsonException("a schedule is read as a string and parsed with its plan's time zone");

    public override void Write(Utf8JsonWriter writer, CronSchedule value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStringValue(value.Expression);
    }
}
