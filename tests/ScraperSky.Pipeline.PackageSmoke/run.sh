#!/usr/bin/env bash
# Packs every packable project (those whose csproj imports $(ScraperSkyPackableProps)) into artifacts/packages, then
# builds a fresh consumer outside the repository against those packages only: the package README's hello workflow,
# taken verbatim from its marked code blocks, and a driver that checks each package's licence, README, repository and
# SourceLink information and symbols, runs the hello host on a throwaway PostgreSQL and exits 0 only when the README's
# queued rows end Completed and the dashboard package's README app (built the same way) serves the dashboard's pages.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
here="$repo/tests/ScraperSky.Pipeline.PackageSmoke"
feed="$repo/artifacts/packages"

rm -rf "$feed"
mkdir -p "$feed"
mapfile -t packable < <(grep -l 'Import Project="$(ScraperSkyPackableProps)"' "$repo"/src/*/*.csproj)
for project in "${packable[@]}"; do
  echo "package smoke: packing ${project#"$repo"/}"
  CI=true dotnet pack "$project" -c Release -o "$feed" -nologo -v quiet
done

version_of() { # the version of a packed package, from its file name
  local file
  file="$(ls "$feed/$1".[0-9]*.nupkg)"
  file="${file##*/$1.}"
  echo "${file%.nupkg}"
}
pinned() { # a version pinned in Directory.Packages.props
  sed -n "s/.*PackageVersion Include=\"$1\" Version=\"\([^\"]*\)\".*/\1/p" "$repo/Directory.Packages.props"
}
block() { # the code block that follows '<!-- package-smoke: NAME -->' in a package README (default: the library's)
  awk -v marker="<!-- package-smoke: $1 -->" '
    $0 == marker { found = 1; next }
    found && /^```/ { if (inside) exit; inside = 1; next }
    inside { print }' "${2:-$repo/src/ScraperSky.Pipeline/README.md}"
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/hello" "$work/driver" "$work/dashboard"

# The feed by path, next to the machine's own sources; a packages folder of its own, so nothing cached elsewhere
# stands in for what was just packed.
cat > "$work/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <config>
    <add key="globalPackagesFolder" value="$work/packages" />
  </config>
  <packageSources>
    <add key="scrapersky-local" value="$feed" />
  </packageSources>
</configuration>
XML

cat > "$work/hello/hello.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
    <WarningsNotAsErrors>NU1603</WarningsNotAsErrors>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="ScraperSky.Pipeline" Version="$(version_of ScraperSky.Pipeline)" />
    <PackageReference Include="Npgsql.EntityFrameworkCore.PostgreSQL" Version="$(pinned Npgsql.EntityFrameworkCore.PostgreSQL)" />
    <PackageReference Include="Microsoft.Extensions.Hosting" Version="$(pinned Microsoft.Extensions.Hosting)" />
  </ItemGroup>
</Project>
XML
block Program.cs > "$work/hello/Program.cs"
block schema.sql > "$work/schema.sql"
block queue.sql > "$work/queue.sql"
for file in hello/Program.cs schema.sql queue.sql; do
  if [ ! -s "$work/$file" ]; then
    echo "package smoke: the README has no '<!-- package-smoke: ${file#hello/} -->' code block" >&2
    exit 1
  fi
done

# The dashboard package's README app: a web app that mounts the dashboard (loopback only), built against the packages.
cat > "$work/dashboard/dashboard.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk.Web">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
    <WarningsNotAsErrors>NU1603</WarningsNotAsErrors>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="ScraperSky.Pipeline.Dashboard" Version="$(version_of ScraperSky.Pipeline.Dashboard)" />
  </ItemGroup>
</Project>
XML
block Program.cs "$repo/src/ScraperSky.Pipeline.Dashboard/README.md" > "$work/dashboard/Program.cs"
if [ ! -s "$work/dashboard/Program.cs" ]; then
  echo "package smoke: the dashboard README has no '<!-- package-smoke: Program.cs -->' code block" >&2
  exit 1
fi

cat > "$work/driver/driver.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="ScraperSky.Pipeline.Testing" Version="$(version_of ScraperSky.Pipeline.Testing)" />
    <PackageReference Include="Npgsql" Version="$(pinned Npgsql)" />
  </ItemGroup>
</Project>
XML
cp "$here/SmokeDriver.cs" "$work/driver/"

echo "package smoke: building the README's hello workflow against the packages"
dotnet build "$work/hello" -c Release -nologo -v quiet -o "$work/hello/out"
dotnet build "$work/dashboard" -c Release -nologo -v quiet -o "$work/dashboard/out"
dotnet build "$work/driver" -c Release -nologo -v quiet -o "$work/driver/out"
dotnet "$work/driver/out/driver.dll" "$feed" "$work/schema.sql" "$work/queue.sql" "$work/hello/out/hello.dll" "$work/dashboard/out/dashboard.dll"
