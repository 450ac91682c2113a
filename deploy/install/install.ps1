# Installs (or upgrades, or removes) the restic-manager agent on Windows.
# The server serves this script with its own URL filled in. Run in an elevated PowerShell:
#
#   $env:RM_TOKEN = '<enrollment-token>'; irm <server>/install/install.ps1 | iex
#
# or save it and run: .\install.ps1 -Token <T> [-Server URL] [-Reenroll] [-Uninstall]
[CmdletBinding()]
param(
    [string]$Token = $env:RM_TOKEN,
    [string]$Server = '@@RM_SERVER_URL@@',
    [switch]$Reenroll,
    [switch]$Uninstall = ($env:RM_UNINSTALL -eq '1')
)

$ErrorActionPreference = 'Stop'
$ServiceName = 'restic-manager-agent'
$InstallDir = Join-Path $env:ProgramFiles 'restic-manager'
$Binary = Join-Path $InstallDir 'restic-manager-agent.exe'
$ConfigDir = Join-Path $env:ProgramData 'restic-manager'
$Config = Join-Path $ConfigDir 'agent.json'

function Fail([string]$Message) { Write-Error "install.ps1: $Message"; exit 1 }

# The steps only Windows can take (elevation, the service manager, ACLs) and running the agent, each one small
# function. A function of the same name defined before this script runs takes its place: the test suite runs this
# script under PowerShell on Linux that way (RestikManager.Tests/Install/InstallPs1Tests.cs); nothing else does.
if (-not (Test-Path Function:\Test-RmElevated)) {
    function Test-RmElevated {
        $principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
        $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
    }
}
if (-not (Test-Path Function:\Get-RmService)) {
    function Get-RmService { Get-Service -Name $ServiceName -ErrorAction SilentlyContinue }
}
if (-not (Test-Path Function:\Stop-RmService)) {
    function Stop-RmService { Stop-Service -Name $ServiceName -Force -ErrorAction SilentlyContinue }
}
if (-not (Test-Path Function:\Remove-RmService)) {
    function Remove-RmService { sc.exe delete $ServiceName | Out-Null }
}
# Recovery: restart after 5 s, 30 s, then 5 min; failureflag 1 makes a stop with a non-zero exit code count as a failure,
# which is how an updated agent gets started (the old one stops with exit code 75 once the new binary is in place).
function Set-RmRecovery {
    sc.exe failure $ServiceName reset= 86400 actions= restart/5000/restart/30000/restart/300000 | Out-Null
    sc.exe failureflag $ServiceName 1 | Out-Null
}
if (-not (Test-Path Function:\Register-RmService)) {
    function Register-RmService([string]$CommandLine) {
        New-Service -Name $ServiceName -DisplayName 'restic-manager agent' -StartupType Automatic -BinaryPathName $CommandLine | Out-Null
        Set-RmRecovery
    }
}
if (-not (Test-Path Function:\Set-RmServiceCommand)) {
    # An existing install: the service's command line and recovery are brought to what this script registers (installs
    # from before the agent was a real service ran 'run' without '--service').
    function Set-RmServiceCommand([string]$CommandLine) {
        sc.exe config $ServiceName binPath= $CommandLine start= auto | Out-Null
        Set-RmRecovery
    }
}
if (-not (Test-Path Function:\Start-RmService)) {
    function Start-RmService { Start-Service -Name $ServiceName }
}
if (-not (Test-Path Function:\Protect-RmConfigDir)) {
    # SYSTEM and Administrators only, no inheritance.
    function Protect-RmConfigDir([string]$Path) { icacls $Path /inheritance:r /grant:r 'SYSTEM:(OI)(CI)F' 'Administrators:(OI)(CI)F' | Out-Null }
}
if (-not (Test-Path Function:\Invoke-RmAgent)) {
    function Invoke-RmAgent { & $Binary @args }
}

if (-not (Test-RmElevated)) {
    Fail 'run this in an elevated (Administrator) PowerShell'
}

if ($Uninstall) {
    if (Get-RmService) {
        Stop-RmService
        Remove-RmService
    }
    Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $InstallDir, $ConfigDir
    Write-Host 'install.ps1: removed the agent, its service and its configuration'
    exit 0
}

if ($Server -notmatch '^https?://') { Fail 'no server URL: pass -Server https://your-server' }
$Server = $Server.TrimEnd('/')
if (-not [Environment]::Is64BitOperatingSystem) { Fail 'a 64-bit Windows is required' }
# The agent runs the host's restic, or the one the server provides (it downloads and verifies that one itself).
if (-not (Get-Command restic -ErrorAction SilentlyContinue)) {
    try {
        Invoke-WebRequest -Method Head -UseBasicParsing -Uri "$Server/restic/binary?os=windows&arch=amd64" | Out-Null
        Write-Host "install.ps1: restic is not on PATH: the agent will use the restic $Server provides"
    } catch {
        Fail "restic is not installed and $Server provides none; install it first (winget install restic.restic, or scoop install restic)"
    }
}
if ((Test-Path $Config) -and $Token -and -not $Reenroll) {
    Fail "this host is already enrolled ($Config); pass -Reenroll to enroll it again, or omit the token to upgrade"
}
if (-not (Test-Path $Config) -and -not $Token) { Fail 'this host is not enrolled yet: pass -Token <enrollment-token>' }

$temp = Join-Path ([IO.Path]::GetTempPath()) ([Guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory -Path $temp | Out-Null
try {
    $download = Join-Path $temp 'restic-manager-agent.exe'
    Write-Host "install.ps1: downloading the agent for windows/amd64 from $Server"
    $response = Invoke-WebRequest -UseBasicParsing -Uri "$Server/agent/binary?os=windows&arch=amd64" -OutFile $download -PassThru
    $expected = [string]$response.Headers['X-Checksum-Sha256']
    if (-not $expected) { Fail 'the server sent no X-Checksum-Sha256 header; refusing to install an unverified binary' }
    $actual = (Get-FileHash -Algorithm SHA256 -Path $download).Hash.ToLowerInvariant()
    if ($actual -ne $expected.ToLowerInvariant()) { Fail "checksum mismatch (expected $expected, got $actual); nothing was installed" }

    $existing = Get-RmService
    if ($existing) { Stop-RmService }
    New-Item -ItemType Directory -Force -Path $InstallDir | Out-Null
    Copy-Item -Force $download $Binary

    if ($Token) {
        New-Item -ItemType Directory -Force -Path $ConfigDir | Out-Null
        Protect-RmConfigDir $ConfigDir
        $enrollArgs = @('enroll', '--server', $Server, '--token', $Token, '--config', $Config)
        if ($Reenroll) { $enrollArgs += '--force' }
        Invoke-RmAgent @enrollArgs
        if ($LASTEXITCODE -ne 0) { Fail 'enrollment failed (see the message above)' }
    }

    # The host's allowlist: what plans may run here (hooks, database dumps), by name. It inherits the config folder's
    # SYSTEM-and-Administrators-only access; the agent refuses an entry anyone else may write. The sample is not an entry.
    $HooksDir = Join-Path $ConfigDir 'hooks.d'
    if ((Test-Path $ConfigDir) -and -not (Test-Path $HooksDir)) {
        New-Item -ItemType Directory -Force -Path $HooksDir | Out-Null
        Set-Content -Path (Join-Path $HooksDir 'app-db.json.sample') -Value '{"kind": "sqlite", "path": "C:\\ProgramData\\App\\app.db"}'
        Write-Host "install.ps1: created $HooksDir (the allowlist of hooks and database sources; see app-db.json.sample)"
    }

    $commandLine = "`"$Binary`" run --service --config `"$Config`""
    if ($existing) { Set-RmServiceCommand $commandLine } else { Register-RmService $commandLine }
    Start-RmService
    Write-Host "install.ps1: $(Invoke-RmAgent --version); the service runs at boot as LocalSystem"
}
finally {
    Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $temp
}
