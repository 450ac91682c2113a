using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace RestikManager.Tests.Infrastructure;

/// <summary>A span as an OTLP exporter sent it: the exporting service, the span's name and its string/int attributes.</summary>
internal sealed record OtlpSpan(string Service, string Name, IReadOnlyDictionary<string, string> Attributes)
{
    public string? this[string key] => Attributes.GetValueOrDefault(key);
}

/// <summary>
/// A small OTLP/HTTP (protobuf) receiver on a free loopback port: keeps the spans it is sent and the raw metric
/// and log payloads. Point <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> at <see cref="Endpoint"/> with
/// <c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<OtlpSpan> _spans = new();
    private readonly ConcurrentQueue<byte[]> _metrics = new();
    private readonly ConcurrentQueue<byte[]> _logs = new();

    private OtlpReceiver(WebApplication app) => _app = app;

    public string Endpoint => _app.Urls.First();

    public IReadOnlyList<OtlpSpan> Spans => [.. _spans];

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/traces", async (HttpRequest request) => { receiver.AddTraces(await BodyAsync(request)); return Results.Ok(); });
        app.MapPost("/v1/metrics", async (HttpRequest request) => { receiver._metrics.Enqueue(await BodyAsync(request)); return Results.Ok(); });
        app.MapPost("/v1/logs", async (HttpRequest request) => { receiver._logs.Enqueue(await BodyAsync(request)); return Results.Ok(); });
        await app.StartAsync();
        return receiver;
    }

    /// <summary>Whether any metrics payload names <paramref name="instrument"/>.</summary>
    public bool HasMetric(string instrument) => _metrics.Any(m => Encoding.UTF8.GetString(m).Contains(instrument, StringComparison.Ordinal));

    /// <summary>Whether any log payload carries <paramref name="text"/>.</summary>
    public bool HasLog(string text) => _logs.Any(m => Encoding.UTF8.GetString(m).Contains(text, StringComparison.Ordinal));

    /// <summary>Everything received, as text, for looking for what must not be there.</summary>
    public string AllText => string.Join('\n', [.. _spans.Select(s => s.ToString()), .. _metrics.Concat(_logs).Select(Encoding.UTF8.GetString)]);

    public async Task<OtlpSpan> WaitForSpanAsync(Func<OtlpSpan, bool> match, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_spans.FirstOrDefault(match) is { } span)
            {
                return span;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"no span {what} within {timeout}; received: {string.Join(", ", _spans.Select(s => $"{s.Service}:{s.Name}"))}");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private static async Task<byte[]> BodyAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    // ExportTraceServiceRequest { 1: ResourceSpans[] } ResourceSpans { 1: Resource { 1: KeyValue[] }, 2: ScopeSpans[] }
    // ScopeSpans { 2: Span[] } Span { 5: name, 9: KeyValue[] } KeyValue { 1: key, 2: AnyValue { 1: string, 3: int } }
    private void AddTraces(byte[] body)
    {
        foreach (var resourceSpans in Protobuf.Messages(body, 1))
        {
            var service = Protobuf.Messages(resourceSpans, 1).SelectMany(r => Attributes(r, 1))
                .FirstOrDefault(a => a.Key == "service.name").Value ?? "";
            foreach (var span in Protobuf.Messages(resourceSpans, 2).SelectMany(scope => Protobuf.Messages(scope, 2)))
            {
                var name = Protobuf.Messages(span, 5).Select(n => Encoding.UTF8.GetString(n)).FirstOrDefault() ?? "";
                _spans.Enqueue(new OtlpSpan(service, name, Attributes(span, 9).ToDictionary(a => a.Key, a => a.Value)));
            }
        }
    }

    private static IEnumerable<KeyValuePair<string, string>> Attributes(byte[] message, int field) =>
        Protobuf.Messages(message, field).Select(kv =>
        {
            var key = Encoding.UTF8.GetString(Protobuf.Messages(kv, 1).FirstOrDefault() ?? []);
            var any = Protobuf.Messages(kv, 2).FirstOrDefault() ?? [];
            var value = Protobuf.Messages(any, 1).Select(s => Encoding.UTF8.GetString(s)).FirstOrDefault()
                ?? Protobuf.Varints(any, 3).Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault() ?? "";
            return new KeyValuePair<string, string>(key, value);
        });
}

/// <summary>Just enough of the protobuf wire format to read OTLP: length-delimited fields and varints by number.</summary>
internal static class Protobuf
{
    /// <summary>The bytes of every length-delimited field <paramref name="number"/> of <paramref name="message"/>.</summary>
    public static IEnumerable<byte[]> Messages(byte[] message, int number) =>
        Fields(message).Where(f => f.Number == number && f.Bytes is not null).Select(f => f.Bytes!);

    /// <summary>The values of every varint field <paramref name="number"/>.</summary>
    public static IEnumerable<long> Varints(byte[] message, int number) =>
        Fields(message).Where(f => f.Number == number && f.Bytes is null).Select(f => f.Value);

    private static List<(int Number, long Value, byte[]? Bytes)> Fields(byte[] message)
    {
        var fields = new List<(int, long, byte[]?)>();
        var at = 0;
        while (at < message.Length)
        {
            var tag = Varint(message, ref at);
            var number = (int)(tag >> 3);
            switch (tag & 7)
            {
                case 0:
                    fields.Add((number, Varint(message, ref at), null));
                    break;
                case 1:
                    fields.Add((number, BitConverter.ToInt64(message, at), null));
                    at += 8;
                    break;
                case 2:
                    var length = (int)Varint(message, ref at);
                    fields.Add((number, 0, message[at..(at + length)]));
                    at += length;
                    break;
                case 5:
                    fields.Add((number, BitConverter.ToInt32(message, at), null));
                    at += 4;
                    break;
                default:
                    throw new InvalidDataException($"unsupported protobuf wire type {tag & 7}");
            }
        }

        return fields;
    }

    private static long Varint(byte[] data, ref int at)
    {
        long value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = data[at++];
            value |= (long)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }
}
