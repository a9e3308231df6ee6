# Build the Windows installer of counter-app on a Windows 10/11 x64 PC (README "Packaging"):
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1 -FontsDir C:\fonts
# Needs: Python 3.11 x64 (python.org, "py" launcher), Inno Setup 6 (ISCC.exe), and a folder with
# wqy-microhei.ttc, HanaMinA.ttf, HanaMinB.ttf (packaging/FONTS.md). Writes
# dist\counter-app-<version>-setup.exe. Not built or tested on the Linux CI: see the README.
param(
  [Parameter(Mandatory = $true)][string]$FontsDir,
  [string]$Iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe"
)
$ErrorActionPreference = "Stop"
$Root = (Resolve-Path "$PSScriptRoot\..\..").Path
Set-Location $Root
$Version = (Select-String -Path counter_app\__init__.py -Pattern '^__version__ = "(.*)"').Matches[0].Groups[1].Value
foreach ($f in "wqy-microhei.ttc", "HanaMinA.ttf", "HanaMinB.ttf") {
  if (-not (Test-Path (Join-Path $FontsDir $f))) { throw "missing font $f in $FontsDir (see packaging/FONTS.md)" }
}
if (-not (Test-Path $Iscc)) { throw "Inno Setup 6 not found at $Iscc (install it or pass -Iscc)" }

# 1. build virtualenv from the Windows lock file (same pins as requirements.lock, Windows wheels)
$Venv = "build\venv-win"
if (-not (Test-Path "$Venv\Scripts\python.exe")) {
  py -3.11 -m venv $Venv
  & "$Venv\Scripts\python.exe" -m pip install -q -r packaging\windows\requirements-windows.lock
  if ($LASTEXITCODE) { throw "pip install failed" }
}
& "$Venv\Scripts\python.exe" -m pip install -q --no-deps --no-build-isolation --force-reinstall .
if ($LASTEXITCODE) { throw "installing counter-app failed" }

# 2. PyInstaller with the same spec as Linux (two programs: the window and counter-app-cli.exe)
$Tuple = (($Version -split "[.+-]")[0..2] + "0") -join ", "
$VersionFile = "build\win\version_info.txt"
New-Item -ItemType Directory -Force build\win | Out-Null
(Get-Content packaging\windows\version_info.txt.in -Encoding UTF8) -replace "@VERSION@", $Version -replace "@TUPLE@", $Tuple |
  Set-Content $VersionFile -Encoding UTF8
$env:COUNTER_APP_FONTS_DIR = (Resolve-Path $FontsDir).Path
$env:COUNTER_APP_WIN_VERSION_FILE = (Resolve-Path $VersionFile).Path
& "$Venv\Scripts\python.exe" -m PyInstaller --noconfirm --clean --distpath build\win\dist --workpath build\win\work packaging\counter-app.spec
if ($LASTEXITCODE) { throw "PyInstaller failed" }
& build\win\dist\counter-app\counter-app-cli.exe --version
if ($LASTEXITCODE) { throw "the built program does not start" }

# 3. the installer
& $Iscc "/DAppVersion=$Version" packaging\windows\counter-app.iss
if ($LASTEXITCODE) { throw "ISCC failed" }
Write-Host "built dist\counter-app-$Version-setup.exe"
