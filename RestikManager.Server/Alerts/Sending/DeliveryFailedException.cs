namespace RestikManager.Server.Alerts.Sending;

/// <summary>A channel did not take a message; the message is safe to show and log (it never holds the channel's secrets).</summary>
internal sealed class DeliveryFailedException(string message, Exception? inner = null) : Exception(message, inner);
