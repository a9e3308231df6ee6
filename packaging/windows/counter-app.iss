; Inno Setup 6 script of the counter-app installer for Windows (x64): per-machine install under
; Program Files, Start-menu entry, optional desktop icon. Built by packaging\windows\build.ps1
; (README "Packaging"); it packs what PyInstaller wrote to build\win\dist\counter-app.
; Each user's data and config.toml live in %LOCALAPPDATA%\counter-app\counter-app: an upgrade or
; an uninstall touches only {app}, so they stay.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define AppName "营业厅业扩报装受理"
#define Bundle "..\..\build\win\dist\counter-app"

[Setup]
; the same AppId in every version: a new installer upgrades the installed one in place
AppId={{6F0C7A52-3B9E-4C1D-9A57-2E4B8D1C0F31}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=counter-app
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\counter-app
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=counter-app-{#AppVersion}-setup
SetupIconFile=..\..\resources\icons\counter-app.ico
UninstallDisplayIcon={app}\counter-app.exe
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
#if FileExists(AddBackslash(SourcePath) + "ChineseSimplified.isl")
Name: "zh"; MessagesFile: "ChineseSimplified.isl"
#elif FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
Name: "zh"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#else
Name: "en"; MessagesFile: "compiler:Default.isl"
#endif

[Tasks]
Name: "desktopicon"; Description: "在桌面创建快捷方式"; Flags: unchecked

[InstallDelete]
; an upgrade replaces the program completely: no library of the old version stays behind
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\counter-app.exe"; IconFilename: "{app}\counter-app.exe"
Name: "{group}\卸载 {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\counter-app.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\counter-app.exe"; Description: "启动 {#AppName}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; only the program folder; %LOCALAPPDATA%\counter-app (database, drafts, backups, config.toml) stays
Type: filesandordirs; Name: "{app}"
