; Inno Setup 6 script: turns dist\HomaDesk\ (built on Windows by `python installer\build.py`) into
; dist\HomaDesk-<version>-setup.exe. Compile from the repository root:
;   "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 installer\homa_desk.iss
;
; Installs per user by default (no administrator needed at a clinic's desk); the embedded database and settings
; live in the user's AppData (platformdirs) and are left in place on uninstall, so a reinstall keeps the clinic's data.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef Compression
  #define Compression "lzma2/max"
#endif
#define AppName "Homa Desk"
#define AppExe "HomaDesk.exe"

[Setup]
AppId={{6C7B0D1E-5A43-4C1B-9D1E-8F2A4E7B3C10}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=Homa Desk
; {autopf} is {localappdata}\Programs for a per-user install; said so in code because Wine cannot expand {autopf}
; (FOLDERID_UserProgramFiles), and the smoke test under Wine installs this very script.
DefaultDirName={code:DefaultDir}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\dist
OutputBaseFilename=HomaDesk-{#AppVersion}-setup
SetupIconFile=homa_desk.ico
UninstallDisplayIcon={app}\{#AppExe}
Compression={#Compression}
SolidCompression=yes
WizardStyle=modern

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
Source: "..\dist\HomaDesk\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
; One desk may host the clinic on its network (README "One desk hosts the clinic"): its database port (54320, TLS)
; and join port (54321, TLS), and DNS-SD answers (UDP 5353), open to this program on PRIVATE networks only, never
; on a network Windows calls public (a cafe, a hotel, a phone's hotspot). Removed again on uninstall.
Filename: "{sys}\netsh.exe"; Parameters: "advfirewall firewall add rule name=""{#AppName} clinic host"" dir=in action=allow protocol=TCP localport=54320,54321 profile=private program=""{app}\{#AppExe}"""; Flags: runhidden; Check: IsAdminInstallMode; StatusMsg: "Allowing the clinic's other computers on private networks…"
Filename: "{sys}\netsh.exe"; Parameters: "advfirewall firewall add rule name=""{#AppName} clinic discovery"" dir=in action=allow protocol=UDP localport=5353 profile=private program=""{app}\{#AppExe}"""; Flags: runhidden; Check: IsAdminInstallMode
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallRun]
Filename: "{sys}\netsh.exe"; Parameters: "advfirewall firewall delete rule name=""{#AppName} clinic host"""; Flags: runhidden; Check: IsAdminInstallMode; RunOnceId: "FirewallHost"
Filename: "{sys}\netsh.exe"; Parameters: "advfirewall firewall delete rule name=""{#AppName} clinic discovery"""; Flags: runhidden; Check: IsAdminInstallMode; RunOnceId: "FirewallDiscovery"

[Code]
function DefaultDir(Param: String): String;
begin
  if IsAdminInstallMode then
    Result := ExpandConstant('{commonpf}\HomaDesk')
  else
    Result := ExpandConstant('{localappdata}\Programs\HomaDesk');
end;
