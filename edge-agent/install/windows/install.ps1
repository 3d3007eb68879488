# Install the Bunko edge agent as a Windows service with WinSW. Run in an elevated PowerShell from
# this folder, after copying the release to %ProgramFiles%\Bunko (with `npm ci` run there) and
# downloading WinSW-x64.exe (https://github.com/winsw/winsw/releases, v2.12) next to this script.
#   .\install.ps1 -Config C:\path\to\agent.json
param(
  [Parameter(Mandatory = $true)][string]$Config,
  [string]$WinSW = (Join-Path $PSScriptRoot 'WinSW-x64.exe')
)
$ErrorActionPreference = 'Stop'

$release = Join-Path $env:ProgramFiles 'Bunko'
$agentDir = Join-Path $env:ProgramData 'Bunko\agent'
if (-not (Test-Path (Join-Path $release 'edge-agent\src\main.ts'))) {
  throw "The release is not in $release (edge-agent\src\main.ts is missing)."
}
if (-not (Test-Path (Join-Path $env:ProgramFiles 'nodejs\node.exe'))) {
  throw 'Node.js (20.19 or later) is not installed in %ProgramFiles%\nodejs.'
}

# the config and data folder: the service account may write here, and only administrators besides
New-Item -ItemType Directory -Force -Path (Join-Path $agentDir 'data'), (Join-Path $agentDir 'logs') | Out-Null
Copy-Item -Force $Config (Join-Path $agentDir 'agent.json')
icacls $agentDir /inheritance:r /grant:r 'Administrators:(OI)(CI)F' 'SYSTEM:(OI)(CI)F' 'NT AUTHORITY\LocalService:(OI)(CI)M' | Out-Null

# the wrapper: WinSW-x64.exe renamed after the service, beside its XML
$serviceDir = Join-Path $release 'edge-agent\install\windows'
Copy-Item -Force $WinSW (Join-Path $serviceDir 'bunko-agent.exe')
& (Join-Path $serviceDir 'bunko-agent.exe') install
& (Join-Path $serviceDir 'bunko-agent.exe') start
Write-Host 'bunko-agent installed and started; logs in' (Join-Path $agentDir 'logs')
